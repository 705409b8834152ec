"""The hub's shared, versioned data contract.

``schemas.v1`` is what every connector emits and what the hub stores and serves.
It only grows additively; a JSON Schema snapshot test makes every change visible.
``schemas.territory`` holds the reference geography the contract's codes refer to.
"""
