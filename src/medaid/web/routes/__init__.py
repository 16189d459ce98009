"""One router per area of the web app; ``medaid.api.app`` includes them all."""
