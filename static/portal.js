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
      }).then(function (data) { data.status = response.status; return data; });
    });
  }

  // 9:41 (minutes and seconds; hours too past an hour).
  function clock(seconds) {
    var s = Math.max(0, Math.ceil(seconds));
    var h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), r = s % 60;
    var mm = h ? (m < 10 ? "0" : "") + m : String(m);
    return (h ? h + ":" : "") + mm + ":" + (r < 10 ? "0" : "") + r;
  }

  // Counts down `seconds` (as the server said them, so the browser's clock
  // may be wrong by any amount): tick(left) each second, done() at zero.
  function countdown(seconds, tick, done) {
    var end = Date.now() + seconds * 1000;
    var timer = null;
    function step() {
      var left = (end - Date.now()) / 1000;
      if (left <= 0) {
        window.clearInterval(timer);
        done();
        return;
      }
      tick(left);
    }
    timer = window.setInterval(step, 1000);
    step();
    return function () { window.clearInterval(timer); };
  }

  // The change a pop-up confirms stays visible behind it: the page comes
  // back from the server with the saved values, so the values the person
  // chose are kept here (never a password) from the Save to the Verify.
  var PENDING = "portal-pending-change";

  function fieldsOf(form) {
    var fields = [];
    Array.prototype.forEach.call(form.elements, function (el) {
      if (!el.name || el.disabled || /^(hidden|password|submit|button|file)$/.test(el.type)) return;
      if (el.type === "checkbox" || el.type === "radio") {
        fields.push({ name: el.name, value: el.value, checked: el.checked });
      } else if (el.tagName === "SELECT") {
        fields.push({ name: el.name, values: Array.prototype.filter.call(el.options, function (o) { return o.selected; }).map(function (o) { return o.value; }) });
      } else {
        fields.push({ name: el.name, value: el.value });
      }
    });
    return fields;
  }

  function pendingRemember(form, opener) {
    // A form with a password (the login, a password change) shows nothing
    // pending, and keeps nothing here.
    if (form.querySelector("input[type=password]")) return;
    try {
      window.sessionStorage.setItem(PENDING, JSON.stringify({
        path: window.location.pathname,
        action: form.getAttribute("action"),
        opener: opener && opener.id ? opener.id : "",
        openerIndex: Array.prototype.indexOf.call(form.elements, opener),
        fields: fieldsOf(form),
      }));
    } catch (e) { /* storage refused: the page shows the saved values */ }
  }

  function pendingRead() {
    try {
      var pending = JSON.parse(window.sessionStorage.getItem(PENDING) || "null");
      return pending && pending.path === window.location.pathname ? pending : null;
    } catch (e) { return null; }
  }

  function pendingForget() {
    try { window.sessionStorage.removeItem(PENDING); } catch (e) { /* nothing kept */ }
  }

  // Shows the pending values in the form behind the pop-up, each changed
  // field marked "Not saved yet"; returns how to put the saved ones back.
  function pendingForm(pending) {
    return Array.prototype.find.call(document.querySelectorAll("form[data-code-form]"), function (f) {
      return f.getAttribute("action") === pending.action;
    });
  }

  function pendingOpener(pending) {
    if (!pending) return null;
    if (pending.opener && document.getElementById(pending.opener)) return document.getElementById(pending.opener);
    var form = pendingForm(pending);
    return form && pending.openerIndex >= 0 ? form.elements[pending.openerIndex] || null : null;
  }

  function pendingShow(pending, words) {
    var form = pendingForm(pending);
    var changed = [];
    if (form) pending.fields.forEach(function (field) {
      Array.prototype.forEach.call(form.elements, function (el) {
        if (el.name !== field.name || el.disabled) return;
        var differs = false;
        if (el.type === "checkbox" || el.type === "radio") {
          if (el.value !== field.value) return;
          differs = el.checked !== field.checked;
          el.checked = field.checked;
        } else if (el.tagName === "SELECT") {
          Array.prototype.forEach.call(el.options, function (o) {
            var chosen = field.values.indexOf(o.value) !== -1;
            if (o.selected !== chosen) differs = true;
            o.selected = chosen;
          });
        } else if (field.value !== undefined) {
          differs = el.value !== field.value;
          el.value = field.value;
        }
        if (!differs) return;
        var mark = document.createElement("span");
        mark.className = "unsaved";
        mark.setAttribute("data-unsaved", "");
        mark.textContent = words;
        el.parentNode.appendChild(mark);
        changed.push({ el: el, mark: mark });
      });
    });
    return function () {
      changed.forEach(function (c) {
        var el = c.el;
        if (el.type === "checkbox" || el.type === "radio") el.checked = el.defaultChecked;
        else if (el.tagName === "SELECT") Array.prototype.forEach.call(el.options, function (o) { o.selected = o.defaultSelected; });
        else el.value = el.defaultValue;
        c.mark.remove();
      });
    };
  }

  function setupDialog(dialog) {
    var error = dialog.querySelector("[data-error]");
    var delivery = dialog.querySelector("[data-delivery]");
    var input = dialog.querySelector("input[name=code]");
    var verify = dialog.querySelector("form[data-verify]");
    var resend = dialog.querySelector("form[data-resend]");
    var resendButton = dialog.querySelector("[data-resend-button]");
    var verifyButton = dialog.querySelector("[data-verify-button]");
    var blocked = dialog.querySelector("[data-blocked]");
    var timer = null;
    var stops = {};
    var pending = pendingRead();
    var restore = null;

    function words(name, english) {
      return dialog.getAttribute("data-say-" + name) || english;
    }

    // Times the server wrote in UTC, shown in the person's own time.
    function localTimes(root) {
      if (!window.Intl || !Intl.DateTimeFormat) return;
      var format = new Intl.DateTimeFormat(document.documentElement.lang || undefined, {
        hour: "2-digit", minute: "2-digit", second: "2-digit", timeZoneName: "short",
      });
      root.querySelectorAll("time[data-local-time]").forEach(function (time) {
        var at = new Date(time.getAttribute("datetime"));
        if (!isNaN(at.getTime())) time.textContent = format.format(at);
      });
    }

    function run(name, seconds, tick, done) {
      if (stops[name]) stops[name]();
      stops[name] = countdown(seconds, tick, done);
    }

    // Resend waits for the cooldown: disabled, with the seconds left.
    function resendWait(seconds) {
      var wait = dialog.querySelector("[data-resend-wait]");
      if (!resendButton || blocked) return;
      if (!wait && seconds > 0) {
        wait = document.createElement("span");
        wait.className = "muted";
        wait.setAttribute("data-resend-wait", "");
        resendButton.parentNode.appendChild(wait);
      }
      if (!wait) return;
      if (seconds <= 0) { wait.hidden = true; resendButton.disabled = false; return; }
      resendButton.disabled = true;
      wait.hidden = false;
      run("resend", seconds, function (left) {
        wait.textContent = words("resend-in", "You can ask for a new code in %(time)s.").replace("%(time)s", clock(left));
      }, function () {
        wait.hidden = true;
        resendButton.disabled = false;
      });
    }

    // The code's own expiry, counted down; never "expired" beside a live time.
    function expiry(seconds) {
      var line = dialog.querySelector("[data-expiry]");
      if (!line) return;
      run("expiry", seconds, function (left) {
        line.textContent = words("expires-in", "It expires in %(time)s.").replace("%(time)s", clock(left));
      }, function () {
        line.textContent = words("expired", "This code has expired. Click Resend for a new one.");
      });
    }

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
          pendingForget();
          window.location.assign(data.redirect);
        } else if (data.status === 429) {
          // Locked now: the page says until when and whom to ask.
          window.location.reload();
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
          if (data.expires_in) expiry(data.expires_in);
          resendWait(data.resend_in || 0);
        } else if (data.reload) {
          window.location.reload();
          return;
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
      // Escape or Cancel: nothing changes; the page shows what is saved,
      // and the keyboard is back on the control that opened the pop-up.
      if (timer) window.clearInterval(timer);
      Object.keys(stops).forEach(function (name) { stops[name](); });
      if (restore) restore();
      var opener = pendingOpener(pending)
        || document.querySelector("input[data-autosubmit]")
        || document.querySelector("form[data-code-form] [type=submit]");
      pendingForget();
      var url = new URL(window.location.href);
      url.searchParams.delete("step");
      window.history.replaceState(null, "", url.pathname + url.search);
      if (opener) opener.focus();
    });

    if (dialog.hasAttribute("data-autoshow")) {
      if (pending && dialog.getAttribute("data-kind") === "change") restore = pendingShow(pending, words("unsaved", "Not saved yet"));
      // Locked: nothing to type until the time comes (or an administrator).
      if (input && verifyButton && verifyButton.disabled) input.disabled = true;
      dialog.showModal();
      if (input && !input.disabled) input.focus();
      else if (dialog.querySelector("[data-dialog-close]")) dialog.querySelector("[data-dialog-close]").focus();
      localTimes(dialog);
      var line = dialog.querySelector("[data-expiry]");
      if (line && Number(line.getAttribute("data-seconds")) > 0) expiry(Number(line.getAttribute("data-seconds")));
      var wait = dialog.querySelector("[data-resend-wait]");
      if (wait) resendWait(Number(wait.getAttribute("data-seconds")));
      if (blocked && blocked.hasAttribute("data-seconds")) {
        var left = blocked.querySelector("[data-countdown]");
        if (left) left.hidden = false;
        run("blocked", Number(blocked.getAttribute("data-seconds")), function (l) {
          if (left) left.textContent = words("left", "(%(time)s left)").replace("%(time)s", clock(l));
        }, function () { window.location.reload(); });
      }
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
      // What the person chose, and which control asked: shown behind the
      // pop-up, and focused again when it closes.
      form.addEventListener("submit", function (event) {
        pendingRemember(form, event.submitter && event.submitter.id ? event.submitter : document.activeElement);
      });
    });
    var dialog = document.getElementById("code-dialog");
    // No pop-up on this page: nothing is pending any more.
    if (!dialog) pendingForget();
    // My Account: ticking or clearing Status starts the change at once, so
    // the pop-up asks for the code (the guide's order: tick, code, Verify).
    document.querySelectorAll("input[data-autosubmit]").forEach(function (box) {
      box.addEventListener("change", function () { box.form.requestSubmit(); });
    });
    if (dialog) setupDialog(dialog);
  });
})();
