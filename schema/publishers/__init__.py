"""Publishers and their verification: types, queries and mutations."""
