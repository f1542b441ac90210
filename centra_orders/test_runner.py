"""Make `manage.py test` run the pytest suite, so both commands test the same thing."""

import sys


class PytestRunner:
    def __init__(self, verbosity=1, failfast=False, keepdb=False, **kwargs):
        self.verbosity = verbosity
        self.failfast = failfast
        self.keepdb = keepdb

    @classmethod
    def add_arguments(cls, parser):
        parser.add_argument("--keepdb", action="store_true", help="Reuse the test database.")

    def run_tests(self, test_labels, **kwargs):
        import pytest

        argv = list(test_labels)
        if self.verbosity == 0:
            argv.append("--quiet")
        elif self.verbosity >= 2:
            argv.append("--verbose")
        if self.failfast:
            argv.append("--exitfirst")
        if self.keepdb:
            argv.append("--reuse-db")
        exit_code = pytest.main(argv)
        sys.exit(exit_code)
