"""procdsl: compile plain-text process specs into diagrams, manuals and state machines."""

__version__ = "0.1.0"
