"""The HTTP surface: the app factory (`copilot.api.app:create_app`), auth, routers per surface, metrics, pages.

Importing this package stays cheap (the CLI loads `auth` and `settings` for `copilot serve`); the app and its
routers load only when `copilot.api.app` is imported.
"""
