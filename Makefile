# Two commands do all the set-up themselves: `make book` builds the site, `make test` runs the tests.
# Both create (or reuse) the virtual environment .venv from the pinned requirements and the package.
SHELL := /bin/bash
.SHELLFLAGS := -eo pipefail -c
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# One thread per numeric library (NumPy's BLAS, PyTorch, TensorFlow). This network's products are
# small: on 2 cores, thread hand-offs made them 5-20x slower than one thread (measured on this
# machine, e.g. chapter 10, PyTorch: 235-632 s with two threads, 20-24 s with one), and timings steadier.
export OMP_NUM_THREADS ?= 1
export OPENBLAS_NUM_THREADS ?= 1
export MKL_NUM_THREADS ?= 1

.PHONY: book book-all reader-copies class-site syllabus test test-assets lab lint release bench clean help
.DEFAULT_GOAL := help

help:
	@echo "make book      build the site into _build/html (runs every notebook whose file changed)"
	@echo "make book-all  rebuild the site from scratch, re-executing every notebook"
	@echo "make reader-copies  the tree the workflow pushes to the branch of reader's copies (_build/reader-copies)"
	@echo "make class-site  a class's site without the solutions, built strictly and scanned (_build/class)"
	@echo "make syllabus  regenerate teachers/syllabus.md from the notebooks' openings"
	@echo "make test      lint, then run the whole test suite (unit tests, notebooks in quick mode, grading, browser)"
	@echo "make lab       open the course in JupyterLab (the same environment; Ctrl-C to stop)"
	@echo "make lint      ruff: lint the package, tests and notebooks; check the package's and tests' formatting"
	@echo "make release   regenerate exercises/ and the grader's manifest from solutions/"
	@echo "make bench     the benchmark table: NumPy, PyTorch and Keras on this machine"
	@echo "make clean     remove _build and the execution cache (keeps .venv)"

# The environment, without rfc3987-syntax (an optional extra of jsonschema that jupyter-events
# pulls in): it builds a grammar on import, 2.1 s in every process that imports nbformat (each
# grader run, nbconvert, the tests' subprocesses). Nothing here validates IRIs and jsonschema works
# without it (python-jsonschema/jsonschema#1428); `pip check` stays clean.
$(STAMP): requirements.txt pyproject.toml
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 10), "nnscratch needs Python 3.10+ (3.11 is tested): set PYTHON=python3.11"'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip 2>&1 | { grep -v "is ignored: it is neither" || true; }
	$(BIN)/pip install --quiet -r requirements.txt 2>&1 | { grep -v "is ignored: it is neither" || true; }
	$(BIN)/pip install --quiet --no-deps -e . 2>&1 | { grep -v "is ignored: it is neither" || true; }
	$(BIN)/pip uninstall --quiet --yes rfc3987-syntax
	$(BIN)/pip check
	touch $(STAMP)

book: $(STAMP)
	$(BIN)/jupyter-book build -W -n --keep-going .
	@echo "Site built: open _build/html/intro.html"

book-all: $(STAMP)
	rm -rf _build .jupyter_cache
	$(MAKE) book

# `make book` also writes a reader's copy of every notebook into _build/html/notebooks (outputs,
# cited numbers, plain Markdown; nnscratch/book/reader.py). Colab opens them from a branch of their
# own, which the publishing workflow force-pushes: this writes exactly that branch's tree, with the
# same command the workflow runs (.github/workflows/book.yml, job reader-copies).
reader-copies: book
	$(BIN)/python -m nnscratch.book.branch _build/html/notebooks _build/reader-copies

# The course without its solutions for a class (class_site.yml names the class's repository):
# sources in _build/class/src, the site in _build/class/_build/html, every file scanned for
# solutions (nnscratch/book/classsite.py; teachers/class_site.md).
class-site: $(STAMP)
	$(BIN)/python -m nnscratch.book.classsite

# The teacher's syllabus from the chapters' and exercises' openings (`--check` in the tests).
syllabus: $(STAMP)
	$(BIN)/python -m nnscratch.book.syllabus

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# MathJax 3 for the site's browser test (tests/test_site.py serves it in place of the CDN, offline),
# from npm, once per machine. Without npm the maths check is skipped (it fails in CI).
NPM_CACHE := $(or $(XDG_CACHE_HOME),$(HOME)/.cache)/nnscratch
MATHJAX_DIR := $(NPM_CACHE)/mathjax
MATHJAX := $(MATHJAX_DIR)/node_modules/mathjax/es5/tex-mml-chtml.js
$(MATHJAX):
	npm install --prefix "$(MATHJAX_DIR)" --no-save --no-audit --no-fund --loglevel=error mathjax@3.2.2

# axe-core, the accessibility audit of the site's browser test, at a pinned version in a folder
# named for it (tests/test_site.py reads AXE_CORE_VERSION from this line). Without npm the audit is
# skipped (it fails in CI).
AXE_CORE_VERSION := 4.14.1
AXE_CORE := $(NPM_CACHE)/axe-core-$(AXE_CORE_VERSION)/node_modules/axe-core/axe.min.js
$(AXE_CORE):
	npm install --prefix "$(NPM_CACHE)/axe-core-$(AXE_CORE_VERSION)" --no-save --no-audit --no-fund \
	  --loglevel=error axe-core@$(AXE_CORE_VERSION)

# Both npm packages alone (CI's test job, which runs the tests without make's .venv, uses it).
test-assets: $(MATHJAX) $(AXE_CORE)

test: lint $(if $(shell command -v npm),test-assets)
	NNSCRATCH_QUICK=1 $(BIN)/pytest

# The notebooks as a learner runs them: JupyterLab from .venv (with jupyterlab-myst, so admonitions,
# maths and {eval} numbers render), opened on chapter 1, the course's folders in its file browser.
# LAB_ARGS passes more options, e.g. `make lab LAB_ARGS="--no-browser --port 8888"`.
lab: $(STAMP)
	$(BIN)/jupyter lab --ServerApp.root_dir=. --LabApp.default_url=/lab/tree/chapters/01_data.ipynb $(LAB_ARGS)

release: $(STAMP)
	$(BIN)/python -m nnscratch.grade.release

bench: $(STAMP)
	$(BIN)/python -m nnscratch.bench

clean:
	rm -rf _build .jupyter_cache
