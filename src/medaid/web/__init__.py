"""Browser pages: Jinja2 templates + htmx, zh-CN first with an English switch. One router per area
in ``routes/``; the app factory is ``medaid.api.app.create_app``."""
