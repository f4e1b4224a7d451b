"""Reports: a finished research written up as sectioned, cited Markdown, HTML or JSON."""
