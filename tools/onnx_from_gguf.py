#!/usr/bin/python3
"""Writes an ONNX Runtime GenAI model folder from a GGUF file made by `ChatWeb model make` (F32 tensors,
llama or qwen2 architecture), so that both runtimes can be benchmarked on the same weights.

Dev-time only (not part of the build): needs Debian's python3-onnx and python3-numpy.

    /usr/bin/python3 tools/onnx_from_gguf.py model.gguf out-folder [--context 4096] [--tokenizer-dir DIR]

The graph: token embedding; per layer RMSNorm (SimplifiedLayerNormalization), Q/K/V projections (+ bias for
qwen2), GroupQueryAttention (com.microsoft; rotary inside, NEOX-style halves, KV cache in one buffer), output
projection, residual, RMSNorm, SwiGLU MLP, residual; final RMSNorm; logits of the last position only.
Weights go to model.onnx.data (external data: the file is over protobuf's 2 GB limit).
"""
import json, os, struct, sys, argparse
import numpy as np
import onnx
from onnx import helper, numpy_helper, TensorProto

def read_gguf(path):
    f = open(path, "rb")
    def u32(): return struct.unpack("<I", f.read(4))[0]
    def u64(): return struct.unpack("<Q", f.read(8))[0]
    def string(): return f.read(u64()).decode("utf-8", "replace")
    scalar = {0: "<B", 1: "<b", 2: "<H", 3: "<h", 4: "<I", 5: "<i", 6: "<f", 7: "<?", 10: "<Q", 11: "<q", 12: "<d"}
    def value(t):
        if t in scalar:
            fmt = scalar[t]; return struct.unpack(fmt, f.read(struct.calcsize(fmt)))[0]
        if t == 8: return string()
        if t == 9:
            inner, n = u32(), u64()
            return [value(inner) for _ in range(n)]
        raise ValueError(f"GGUF value type {t}")
    assert f.read(4) == b"GGUF", "not a GGUF file"
    version, n_tensors, n_kv = u32(), u64(), u64()
    meta = {}
    for _ in range(n_kv):
        key = string(); meta[key] = value(u32())
    infos = []
    for _ in range(n_tensors):
        name = string(); dims = [u64() for _ in range(u32())]; ggml_type = u32(); offset = u64()
        infos.append((name, dims, ggml_type, offset))
    align = meta.get("general.alignment", 32)
    start = (f.tell() + align - 1) // align * align
    data = np.memmap(path, dtype=np.uint8, mode="r")
    tensors = {}
    for name, dims, ggml_type, offset in infos:
        if ggml_type != 0:
            raise SystemExit(f"{name}: only F32 tensors are supported (make the model with --type f32)")
        count = int(np.prod(dims))
        array = np.frombuffer(data, dtype=np.float32, count=count, offset=start + offset)
        tensors[name] = array.reshape(list(reversed(dims)))  # GGUF dims are innermost first
    return meta, tensors

def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("gguf"); parser.add_argument("out")
    parser.add_argument("--context", type=int, default=4096)
    parser.add_argument("--tokenizer-dir", help="folder whose tokenizer.json and tokenizer_config.json are linked into the output")
    args = parser.parse_args()
    meta, t = read_gguf(args.gguf)
    arch = meta["general.architecture"]
    if arch not in ("llama", "qwen2"):
        raise SystemExit(f"architecture {arch} is not supported")
    dim = meta[f"{arch}.embedding_length"]; layers = meta[f"{arch}.block_count"]
    heads = meta[f"{arch}.attention.head_count"]; kv_heads = meta[f"{arch}.attention.head_count_kv"]
    eps = meta[f"{arch}.attention.layer_norm_rms_epsilon"]; rope_base = meta[f"{arch}.rope.freq_base"]
    head = dim // heads
    embed = t["token_embd.weight"]; vocab = embed.shape[0]
    if arch == "llama":
        raise SystemExit("llama GGUFs permute Q/K for adjacent-pair RoPE; only qwen2 (NEOX halves) is written here")

    inits, nodes = [], []
    def init(name, array):
        inits.append(numpy_helper.from_array(np.ascontiguousarray(array, dtype=np.float32), name)); return name
    def node(op, inputs, outputs, domain=None, **attrs):
        nodes.append(helper.make_node(op, inputs, outputs, domain=domain, **attrs)); return outputs[0] if len(outputs) == 1 else outputs
    def linear(x, weight_name, out, bias_name=None):
        w = init(out + ".w", t[weight_name].T)  # GGUF rows are outputs: MatMul wants [in, out]
        y = node("MatMul", [x, w], [out + ".mm" if bias_name else out])
        return node("Add", [y, init(out + ".b", t[bias_name])], [out]) if bias_name else y
    def rms(x, weight_name, out):
        return node("SimplifiedLayerNormalization", [x, init(out + ".g", t[weight_name])], [out], axis=-1, epsilon=eps)

    i64 = lambda name, values: inits.append(numpy_helper.from_array(np.array(values, dtype=np.int64), name)) or name
    # GroupQueryAttention's bookkeeping from the attention mask: past lengths and the total length
    node("ReduceSum", ["attention_mask", i64("axis1", [1])], ["mask_sum"], keepdims=0)
    node("Sub", ["mask_sum", i64("one", 1)], ["seqlens_k64"])
    node("Cast", ["seqlens_k64"], ["seqlens_k"], to=TensorProto.INT32)
    node("Shape", ["attention_mask"], ["mask_shape"])
    node("Gather", ["mask_shape", i64("index1", 1)], ["total_len64"], axis=0)
    node("Cast", ["total_len64"], ["total_len"], to=TensorProto.INT32)
    inv = 1.0 / (rope_base ** (np.arange(0, head, 2, dtype=np.float64) / head))
    angles = np.outer(np.arange(args.context, dtype=np.float64), inv)
    init("cos_cache", np.cos(angles)); init("sin_cache", np.sin(angles))

    x = node("Gather", [init("embed", embed), "input_ids"], ["x0"], axis=0)
    inputs = [helper.make_tensor_value_info("input_ids", TensorProto.INT64, ["batch", "seq"]),
              helper.make_tensor_value_info("attention_mask", TensorProto.INT64, ["batch", "total"])]
    outputs = []
    qwen = arch == "qwen2"
    for l in range(layers):
        p = f"blk.{l}."
        h = rms(x, p + "attn_norm.weight", f"l{l}.attn_in")
        q = linear(h, p + "attn_q.weight", f"l{l}.q", p + "attn_q.bias" if qwen else None)
        k = linear(h, p + "attn_k.weight", f"l{l}.k", p + "attn_k.bias" if qwen else None)
        v = linear(h, p + "attn_v.weight", f"l{l}.v", p + "attn_v.bias" if qwen else None)
        past_k, past_v = f"past_key_values.{l}.key", f"past_key_values.{l}.value"
        present_k, present_v = f"present.{l}.key", f"present.{l}.value"
        for name in (past_k, past_v):
            inputs.append(helper.make_tensor_value_info(name, TensorProto.FLOAT, ["batch", kv_heads, "past", head]))
        for name in (present_k, present_v):
            outputs.append(helper.make_tensor_value_info(name, TensorProto.FLOAT, ["batch", kv_heads, "present", head]))
        node("GroupQueryAttention", [q, k, v, past_k, past_v, "seqlens_k", "total_len", "cos_cache", "sin_cache"],
             [f"l{l}.attn", present_k, present_v], domain="com.microsoft",
             num_heads=heads, kv_num_heads=kv_heads, scale=1.0 / np.sqrt(head), do_rotary=1, rotary_interleaved=0)
        o = linear(f"l{l}.attn", p + "attn_output.weight", f"l{l}.o")
        x = node("Add", [x, o], [f"l{l}.x1"])
        h = rms(x, p + "ffn_norm.weight", f"l{l}.ffn_in")
        g = linear(h, p + "ffn_gate.weight", f"l{l}.gate")
        u = linear(h, p + "ffn_up.weight", f"l{l}.up")
        s = node("Sigmoid", [g], [f"l{l}.sig"])
        a = node("Mul", [node("Mul", [g, s], [f"l{l}.silu"]), u], [f"l{l}.act"])
        d = linear(a, p + "ffn_down.weight", f"l{l}.down")
        x = node("Add", [x, d], [f"l{l}.x2"])
    x = rms(x, "output_norm.weight", "final")
    # logits of the last position only (the prompt's other positions need none)
    node("Slice", [x, i64("last_start", [-1]), i64("last_end", [2**62]), i64("axis_seq", [1])], ["last"])
    node("Reshape", ["last", i64("flat", [-1, dim])], ["last2d"])
    output_weight = "embed" if "output.weight" not in t else init("output", t["output.weight"])
    node("Gemm", ["last2d", output_weight], ["logits2d"], transB=1)
    node("Unsqueeze", ["logits2d", i64("axis_seq2", [1])], ["logits"])
    outputs.insert(0, helper.make_tensor_value_info("logits", TensorProto.FLOAT, ["batch", 1, vocab]))

    graph = helper.make_graph(nodes, "decoder", inputs, outputs, inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17), helper.make_opsetid("com.microsoft", 1)],
                              producer_name="ChatWeb tools/onnx_from_gguf.py")
    model.ir_version = 8
    os.makedirs(args.out, exist_ok=True)
    onnx.save_model(model, os.path.join(args.out, "model.onnx"), save_as_external_data=True,
                    all_tensors_to_one_file=True, location="model.onnx.data", size_threshold=1024)

    config = {
        "model": {
            "bos_token_id": 151643, "eos_token_id": [151645, 151643], "pad_token_id": 151643,
            "context_length": args.context, "type": arch, "vocab_size": int(vocab),
            "decoder": {
                "session_options": {"log_id": "onnxruntime-genai", "provider_options": []},
                "filename": "model.onnx", "head_size": head, "hidden_size": dim,
                "inputs": {"input_ids": "input_ids", "attention_mask": "attention_mask",
                           "past_key_names": "past_key_values.%d.key", "past_value_names": "past_key_values.%d.value"},
                "outputs": {"logits": "logits", "present_key_names": "present.%d.key", "present_value_names": "present.%d.value"},
                "num_attention_heads": heads, "num_hidden_layers": layers, "num_key_value_heads": kv_heads,
            },
        },
        "search": {"do_sample": False, "max_length": args.context, "min_length": 0, "num_beams": 1,
                   "num_return_sequences": 1, "past_present_share_buffer": True, "repetition_penalty": 1.0,
                   "temperature": 1.0, "top_k": 1, "top_p": 1.0, "early_stopping": True, "length_penalty": 1.0,
                   "no_repeat_ngram_size": 0, "diversity_penalty": 0.0},
    }
    with open(os.path.join(args.out, "genai_config.json"), "w") as f:
        json.dump(config, f, indent=2)
    if args.tokenizer_dir:
        for name in ("tokenizer.json", "tokenizer_config.json"):
            target = os.path.join(args.out, name)
            if not os.path.exists(target):
                os.symlink(os.path.abspath(os.path.join(args.tokenizer_dir, name)), target)
    print(f"wrote {args.out}: {arch}, {layers} layers, dim {dim}, {heads}/{kv_heads} heads, vocab {vocab}")

if __name__ == "__main__":
    main()
