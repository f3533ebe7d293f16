"""The service documents (`schemas/<service>.json`), shipped as package data.

The code generator writes them from the pages in `schemas/pages/`; the emulators validate
requests and responses against them (`pulumi_builds.emulators.validation`).
"""
