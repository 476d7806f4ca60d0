# Two entry points (see README): `make run` and `make test`. Both create .venv themselves.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test install clean bench

$(STAMP): pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e ".[all,test]"
	touch $(STAMP)

install: $(STAMP)

## run: install, extract the bundled sample corpus into kb/ and score it against its gold
run: $(STAMP)
	$(BIN)/python -m pipeline extract corpus/samples/*.txt --out kb
	$(BIN)/python -m pipeline evaluate --gold corpus/samples/gold.jsonl --kb kb --max-errors 10

## test: install and run the test suite
test: $(STAMP)
	$(BIN)/python -m pytest -q

bench: $(STAMP)
	$(BIN)/python -m pipeline bench --docs 2000

clean:
	rm -rf kb build *.egg-info .pytest_cache
