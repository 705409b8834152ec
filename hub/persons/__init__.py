"""Identity resolution: which source records are the same young person (see README,
"Identity resolution"). ``matching`` is the pure engine; the rest persists and serves it."""
