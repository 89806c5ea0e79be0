using ChatWeb.Engine.Chat;
using ChatWeb.Engine.Local;
using ChatWeb.Engine.Scheduling;

namespace ChatWeb.Engine.Hosting;

/// <summary>What exists once the model has loaded: the model, the one scheduler over it, its chat client and its exact token counter.</summary>
internal sealed record LoadedModel(LocalModel Model, InferenceScheduler Scheduler, GgufChatClient Client, ITokenCounter Tokens);
