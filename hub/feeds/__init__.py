"""Pull feeds: the hub polls an operator's event feed, stores what it reads through the ingest
pipeline, acknowledges it and keeps its place (the cursor) in the database."""
