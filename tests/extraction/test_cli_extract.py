import json
from pathlib import Path

from typer.testing import CliRunner

from cli.main import app

CORPUS = Path(__file__).with_name("corpus")


def test_extract_reads_stdin_and_prints_the_schema_json():
    result = CliRunner().invoke(app, ["extract", "--schema", "requirement"],
                                input="Role: Java Developer\nLocation: Dallas, TX\nRate: $65/hr C2C\n")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["title"] == "Java Developer" and data["rate"]["hourly_usd"] == 65.0
    assert data["evidence"]["rate"]["span"] == {"start": 48, "end": 54}


def test_extract_parses_an_eml_file_with_its_subject():
    result = CliRunner().invoke(app, ["extract", str(CORPUS / "07_rate_only_in_subject.eml")])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["rate"]["hourly_usd"] == 70.0


def test_extract_fails_in_one_line_on_unknown_schema_and_empty_input():
    unknown = CliRunner().invoke(app, ["extract", "--schema", "invoice"], input="x")
    assert unknown.exit_code == 2 and "unknown schema" in unknown.output
    empty = CliRunner().invoke(app, ["extract"], input="  \n")
    assert empty.exit_code == 1 and "empty input" in empty.output
