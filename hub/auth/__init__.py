"""OAuth 2 authorisation server and resource protection."""
