# Packaging details pyproject.toml cannot say: the repository's top-level resources/ folder
# ships inside the package as ``unannotate._resources``.
from setuptools import find_packages, setup

setup(
    package_dir={"": "src", "unannotate._resources": "resources"},
    packages=[*find_packages("src"), "unannotate._resources"],
    package_data={
        "unannotate": ["py.typed", "formats/*.json"],
        "unannotate._resources": ["*", "**/*"],
    },
    include_package_data=False,
)
