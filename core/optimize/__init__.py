"""Making trained models small and fast: structured pruning (`prune`), quantization-aware training
and post-training INT8 and FP16 (`quantize`). Family-agnostic: the family says what may be
pruned and how its graph is fed; results are model transforms or new artifacts."""
