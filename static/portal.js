// Progressive enhancement: every page works without this file. With it, the
// code step is a modal <dialog> on the page that asked for it.
(function () {
  "use strict";

  // The page's words for what this file says, in the person's language
  // (data-say-* on <body>, written by the server's translation catalogue).
  function say(name, english) {
    return (document.body && document.body.getAttribute("data-say-" + name)) || english;
  }

  function postForm(form) {
    return fetch(form.action, {
      method: "POST",
      body: new FormData(form),
      headers: { Accept: "application/json" },
      credentials: "same-origin",
    }).then(function (response) {
      return response.json().catch(function () {
        return { ok: false, message: say("failed", "Something went wrong. Please try again.") };
      });
    });
  }

  function setupDialog(dialog) {
    var error = dialog.querySelector("[data-error]");
    var delivery = dialog.querySelector("[data-delivery]");
    var input = dialog.querySelector("input[name=code]");
    var verify = dialog.querySelector("form[data-verify]");
    var resend = dialog.querySelector("form[data-resend]");
    var timer = null;

    function pollStatus() {
      var url = dialog.getAttribute("data-status-url");
      if (!url || !dialog.open) return;
      fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
        .then(function (r) { return r.ok ? r.json() : { ok: false }; })
        .then(function (data) {
          // The code step is over (or the session is): stop asking.
          if (!data.ok) { window.clearInterval(timer); return; }
          if (data.delivery) delivery.textContent = say("delivery", "Delivery: %(delivery)s").replace("%(delivery)s", data.delivery);
          if (data.failure) error.textContent = data.failure;
          // Allow other channels: offered once the code did not arrive.
          var ways = dialog.querySelector("[data-fallbacks]");
          if (ways && data.fallback && ways.hidden) ways.hidden = false;
        })
        .catch(function () {});
    }

    if (verify) verify.addEventListener("submit", function (event) {
      event.preventDefault();
      error.textContent = "";
      postForm(verify).then(function (data) {
        if (data.ok) {
          window.location.assign(data.redirect);
        } else {
          error.textContent = data.message;
          if (data.redirect) window.setTimeout(function () { window.location.assign(data.redirect); }, 1500);
          input.focus();
          input.select();
        }
      });
    });

    if (resend) resend.addEventListener("submit", function (event) {
      event.preventDefault();
      error.textContent = "";
      postForm(resend).then(function (data) {
        if (data.ok) {
          delivery.textContent = data.message;
          input.value = "";
        } else {
          error.textContent = data.message;
        }
        input.focus();
      });
    });

    // A modal dialog keeps the page behind it inert, but Tab past its last
    // button would still leave it (for the browser's own toolbar): wrap
    // around instead, so keyboard focus stays in the pop-up until it closes.
    dialog.addEventListener("keydown", function (event) {
      if (event.key !== "Tab") return;
      var items = Array.prototype.filter.call(
        dialog.querySelectorAll("a[href], button:not([disabled]), input:not([disabled]):not([type=hidden])"),
        function (el) { return el.getClientRects().length > 0; }
      );
      if (!items.length) return;
      var first = items[0];
      var last = items[items.length - 1];
      if (event.shiftKey && (document.activeElement === first || document.activeElement === dialog)) {
        event.preventDefault();
        last.focus();
      } else if (!event.shiftKey && document.activeElement === last) {
        event.preventDefault();
        first.focus();
      }
    });

    // Cancel does what Escape does (touch screens have no Escape key).
    dialog.querySelectorAll("[data-dialog-close]").forEach(function (button) {
      button.addEventListener("click", function () { dialog.close(); });
    });

    dialog.addEventListener("close", function () {
      // Escape or closing: nothing changes; the page stays as it was saved.
      if (timer) window.clearInterval(timer);
      var url = new URL(window.location.href);
      url.searchParams.delete("step");
      window.history.replaceState(null, "", url.pathname + url.search);
    });

    if (dialog.hasAttribute("data-autoshow")) {
      dialog.showModal();
      if (input) input.focus();
      timer = window.setInterval(pollStatus, 3000);
    }
  }

  // Passkeys (WebAuthn): the browser's own JSON forms of the options and the
  // answer (PublicKeyCredential.parse*OptionsFromJSON, credential.toJSON()).
  function csrfOf(form) {
    var field = form.querySelector("input[name=csrfmiddlewaretoken]");
    return field ? field.value : "";
  }

  function postJSON(url, form, body) {
    return fetch(url, {
      method: "POST",
      body: body === undefined ? "" : JSON.stringify(body),
      headers: { Accept: "application/json", "Content-Type": "application/json", "X-CSRFToken": csrfOf(form) },
      credentials: "same-origin",
    }).then(function (response) {
      return response.json().catch(function () { return { ok: false, message: say("failed", "Something went wrong. Please try again.") }; });
    });
  }

  function passkeyForm(form, ceremony) {
    var error = document.querySelector("[data-error]") || form.querySelector("[data-error]");
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      if (!window.PublicKeyCredential) {
        if (error) error.textContent = say("no-passkeys", "This browser cannot use passkeys. Try another way.");
        return;
      }
      if (error) error.textContent = "";
      postJSON(form.getAttribute("data-options-url"), form)
        .then(function (options) {
          if (options.ok === false) throw new Error(options.message);
          return ceremony(options);
        })
        .then(function (credential) { return postJSON(form.action, form, credential.toJSON()); })
        .then(function (data) {
          if (data.ok) { window.location.assign(data.redirect); return; }
          if (error) error.textContent = data.message;
        })
        .catch(function (problem) {
          if (error) error.textContent = (problem && problem.name === "NotAllowedError")
            ? say("passkey-cancelled", "The passkey was not used (cancelled or timed out). Try again, or try another way.")
            : (problem && problem.message) || say("passkey-failed", "The passkey did not work. Try again.");
        });
    });
  }

  // A searchable multi-select (Allowed countries): the search box, hidden
  // without JavaScript, hides the options that do not match; chosen ones
  // stay chosen.
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("input[data-filter-select]").forEach(function (box) {
      var select = document.getElementById(box.getAttribute("data-filter-select"));
      if (!select) return;
      box.hidden = false;
      box.addEventListener("input", function () {
        var words = box.value.trim().toLowerCase();
        Array.prototype.forEach.call(select.options, function (option) {
          option.hidden = words !== "" && option.text.toLowerCase().indexOf(words) === -1;
        });
      });
    });
  });

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("form[data-passkey-login]").forEach(function (form) {
      passkeyForm(form, function (options) {
        return navigator.credentials.get({ publicKey: PublicKeyCredential.parseRequestOptionsFromJSON(options) });
      });
    });
    document.querySelectorAll("form[data-passkey-register]").forEach(function (form) {
      passkeyForm(form, function (options) {
        return navigator.credentials.create({ publicKey: PublicKeyCredential.parseCreationOptionsFromJSON(options) });
      });
    });
  });

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("form[data-code-form]").forEach(function (form) {
      var flag = document.createElement("input");
      flag.type = "hidden";
      flag.name = "js";
      flag.value = "1";
      form.appendChild(flag);
    });
    // My Account: ticking or clearing Status starts the change at once, so
    // the pop-up asks for the code (the guide's order: tick, code, Verify).
    document.querySelectorAll("input[data-autosubmit]").forEach(function (box) {
      box.addEventListener("change", function () { box.form.requestSubmit(); });
    });
    var dialog = document.getElementById("code-dialog");
    if (dialog) setupDialog(dialog);
  });
})();
