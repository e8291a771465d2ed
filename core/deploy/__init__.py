"""Deployment files for an exported model: DeepStream configs (`deepstream`), a Triton model
repository (`triton`), model cards (`model_card`), TensorRT engines (`tensorrt_build`), and the
export that makes them all (`export`)."""
