"""One inference on the bundled `dummy` model (a = b + 1, float32 [1, 10]) through the `ovms`
binary's KServe v2 front ends, with Triton's real clients: once over gRPC, once over REST.

    python examples/kserve_client.py <grpc port> <rest port>
"""

import sys

import numpy as np
import tritonclient.grpc as grpc_client
import tritonclient.http as http_client

grpc_port, rest_port = sys.argv[1], sys.argv[2]
b = np.arange(10, dtype=np.float32).reshape(1, 10)

for name, module, url in (
    ("gRPC", grpc_client, f"127.0.0.1:{grpc_port}"),
    ("REST", http_client, f"127.0.0.1:{rest_port}"),
):
    client = module.InferenceServerClient(url)
    assert client.is_server_ready(), f"{name}: the server is not ready"
    tensor = module.InferInput("b", list(b.shape), "FP32")
    tensor.set_data_from_numpy(b)
    result = client.infer("dummy", [tensor])
    a = result.as_numpy("a")
    response = result.get_response()
    # The gRPC client answers a protobuf message, the HTTP client a dict.
    version = response["model_version"] if isinstance(response, dict) else response.model_version
    print(f"{name} {url}: dummy version {version}: a = {a.ravel().tolist()}")
    assert np.array_equal(a, b + 1)
    client.close()
