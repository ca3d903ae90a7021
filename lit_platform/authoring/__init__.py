"""Authoring courses in the browser: drafts of course files, published versions, local copies of shipped courses."""
