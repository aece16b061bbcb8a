"""Binary artifacts with builds per platform and architecture."""
