# Makes readme.onnx, the model of the README's embedding example: y = 2 * x + 1 for x FLOAT[rows, cols].
# Run with Debian's python3 and python3-onnx:  env PATH="$(getconf PATH)" python3 make_readme_model.py
import onnx
from onnx import helper, TensorProto

two = helper.make_tensor("two", TensorProto.FLOAT, [], [2.0])
one = helper.make_tensor("one", TensorProto.FLOAT, [], [1.0])
graph = helper.make_graph(
    [helper.make_node("Mul", ["x", "two"], ["twice"], name="scale"),
     helper.make_node("Add", ["twice", "one"], ["y"], name="shift")],
    "readme",
    [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["rows", "cols"])],
    [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["rows", "cols"])],
    [two, one])
model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 14)], producer_name="petrel-tests")
onnx.checker.check_model(model)
onnx.save(model, "readme.onnx")
