# Makes resources/ importable as `hsexplorer.resources` (see [tool.setuptools.package-dir]).
