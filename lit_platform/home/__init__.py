"""Home pages: one section per role the person holds, and the welcome page for visitors."""
