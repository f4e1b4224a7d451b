"""Research: a question in, a cited answer out (plan, search, analyse, synthesise)."""
