pytest_plugins = [
    "tests.fixtures.services",
    "tests.fixtures.seaweed",
    "tests.fixtures.stack",
    "tests.fixtures.gates",
    "tests.fixtures.old_schema",
    "tests.fixtures.summary",
    "tests.fixtures.verification_servers",
]
