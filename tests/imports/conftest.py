"""Fixtures for the CSV import tests: write a file, expect a rejection that changed nothing."""

import pytest

from griddesk.csvimport import ImportFailed
from griddesk.customers.models import Customer
from griddesk.grid.models import Device
from tests.imports.helpers import db_state


@pytest.fixture
def write_csv(tmp_path):
    """write_csv(name, *lines, encoding="utf-8", bom=False) -> path of a file with those lines."""

    def write(name, *lines, encoding="utf-8", bom=False):
        path = tmp_path / name
        data = "".join(line + "\n" for line in lines).encode(encoding)
        path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + data)
        return path

    return write


@pytest.fixture
def expect_rejected(db):
    """expect_rejected(importer, path, **kwargs) -> the error lines, after checking nothing changed."""

    def run(importer, path, **kwargs):
        before = db_state()
        devices, customers = Device.objects.count(), Customer.objects.count()
        with pytest.raises(ImportFailed) as failure:
            importer(path=path, **kwargs)
        assert (Device.objects.count(), Customer.objects.count()) == (devices, customers)
        assert db_state() == before
        return failure.value.errors.lines()

    return run
