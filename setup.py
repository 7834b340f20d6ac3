"""The optional C part of the AMI parser; everything else is declared in pyproject.toml.

``optional=True``: where no C compiler or Python headers are at hand the install still succeeds and
the parser uses its pure-Python twin (``telephony.ami.protocol``), same results, slower.
"""

from setuptools import Extension, setup

setup(ext_modules=[Extension("telephony.ami._split", ["telephony/ami/_split.c"], optional=True)])
