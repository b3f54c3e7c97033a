# The lsmock plugin comes from the installed wheel (its pytest11 entry point); pytester runs a
# pytest inside a test, to see what a failing test's report shows.
pytest_plugins = ["pytester"]
