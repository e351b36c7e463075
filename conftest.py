from pathlib import Path

pytest_plugins = ["tests.fixtures"]


def pytest_configure(config):
    # The SQLite test database is a file under var/ (a real worker shares it).
    (Path(__file__).parent / "var").mkdir(exist_ok=True)
