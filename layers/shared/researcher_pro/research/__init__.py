"""Research: a question in, a cited answer out (plan, then rounds of search, read, analyse and reflect, then
an answer written section by section)."""
