# Quick start: `make demo` and `make test` set up .venv/ on first use.
PYTHON := .venv/bin/python
STAMP_GLOB := .venv/.mmiic-stack-*

.PHONY: setup test demo demo-seg benchmark-loss clean

setup:
	@bash tools/setup_env.sh

test: setup
	$(PYTHON) -m pytest tests -q

demo: setup
	$(PYTHON) tools/demo/mnist_demo.py

demo-seg: setup
	$(PYTHON) tools/demo/mosaic_seg_demo.py

benchmark-loss: setup
	$(PYTHON) tools/analysis_tools/benchmark_loss.py

clean:
	rm -rf work_dirs .pytest_cache
