"""The signed-in user (`me`)."""
