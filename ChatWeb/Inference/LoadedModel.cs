using ChatWeb.Inference.Local;
using ChatWeb.Inference.Scheduling;

namespace ChatWeb.Inference;

/// <summary>What exists once the model has loaded: the model, the one scheduler over it, its chat client and its exact token counter.</summary>
internal sealed record LoadedModel(LocalModel Model, InferenceScheduler Scheduler, GgufChatClient Client, ModelTokenCounter Tokens);
