"""Research templates: typed variables, a prompt and sections, in immutable versions; built-ins ship in builtin/."""
