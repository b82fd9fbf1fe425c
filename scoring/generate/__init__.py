"""Generated data in the exact formats of the real files: the apparel shop (simulated client by client,
with the true probabilities kept aside in _truth/) and the one-click task's four files; and the profile that
sets generated statistics beside the real ones.

May import: the foundation and scoring.build.raw_files (to find the files it profiles). Nothing in the
product imports it but the CLI; tests and benchmarks use it for data.
"""
