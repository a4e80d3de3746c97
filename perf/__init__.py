"""Performance scripts, run by hand against PostgreSQL with the SCALE data set (see perf/README.md)."""
