"""Packages, versions and dependencies: types, queries, mutations and subscriptions."""
