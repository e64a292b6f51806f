"""Data files of the scanners: the JSON Schema of the archgraph manifest.

A package only so that the schema ships in wheels with the code that reads it.
"""
