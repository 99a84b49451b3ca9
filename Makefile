# Quick start: `make demo` and `make test` set up .venv/ on first use.
PYTHON := .venv/bin/python
STAMP_GLOB := .venv/.mmiic-stack-*

# Extra pytest arguments, e.g. make test PYTEST_ARGS='-k loss -x'.
PYTEST_ARGS ?=

.PHONY: setup test test-fast demo demo-seg benchmark-loss clean

setup:
	@bash tools/setup_env.sh

test: setup
	$(PYTHON) -m pytest tests -q $(PYTEST_ARGS)

# The tests not marked slow (pytest.ini): under two minutes on two CPU cores.
test-fast: setup
	$(PYTHON) -m pytest tests -q -m "not slow" $(PYTEST_ARGS)

demo: setup
	$(PYTHON) tools/demo/mnist_demo.py

demo-seg: setup
	$(PYTHON) tools/demo/mosaic_seg_demo.py

benchmark-loss: setup
	$(PYTHON) tools/analysis_tools/benchmark_loss.py

clean:
	rm -rf work_dirs .pytest_cache
