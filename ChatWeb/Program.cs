using ChatWeb.Admin;
using ChatWeb.Api;
using ChatWeb.Chat;
using ChatWeb.Components;
using ChatWeb.Engine.Cli;
using ChatWeb.Hosting;
using ChatWeb.Inference;
using ChatWeb.ScaleOut;
using ChatWeb.Sessions;
using ChatWeb.Storage;
using ChatWeb.Telemetry;
using ChatWeb.Terminal;
using Microsoft.Extensions.Options;

if (await TerminalCommands.TryRunAsync(args)) return Environment.ExitCode; // chat | ask | apikey

if (await EngineCli.TryRunAsync(args)) return Environment.ExitCode; // model info | model make | bench | bench-serve

var builder = WebApplication.CreateBuilder(args);

// Serve wwwroot and framework files from the build output too, not only in Development.
builder.WebHost.UseStaticWebAssets();

// A circuit message must hold the longest prompt the composer sends: 100,000 characters, up to 6 bytes each in JSON.
builder.Services.AddRazorComponents().AddInteractiveServerComponents()
    .AddHubOptions(hub => hub.MaximumReceiveMessageSize = 1 << 20);
builder.AddInference();
builder.AddChatSurface();
builder.AddStorage();
builder.AddChatSessions();
builder.AddScaleOut(); // Redis, when configured: sessions, keys, rate limits, notices shared by every instance
builder.AddConversationHistory();
builder.AddAdmin();
builder.AddChatApis();
builder.AddChatWebTelemetry();

var app = builder.Build();

if (!app.Environment.IsDevelopment())
{
    app.UseExceptionHandler("/error", createScopeForErrors: true);
}
app.UseStatusCodePagesWithReExecute("/not-found", createScopeForStatusCodePages: true);

app.UseRelativeRedirects();
app.UseChatSessions();
app.UseAdmin();
app.UseAntiforgery();
app.MapStaticAssets();
app.MapHealthApi();
app.MapChatApis();
app.MapMetrics();
app.MapRazorComponents<App>().AddInteractiveServerRenderMode().RequireRateLimiting(PageRateLimiting.Policy);

// Settings are checked before Run, while the host is whole: a bad value stops start-up with its message. (Run checks
// them too, but disposes the host as it fails, and a host embedding the app, such as the tests', then sees only that.)
app.Services.GetRequiredService<IStartupValidator>().Validate();

try
{
    app.Run();
}
catch (Exception ex) when (ex is DatabaseStartupException or RedisStartupException)
{
    return 1; // DatabaseStartup or RedisStartup has logged why and what to do; a plain exit, not an unhandled-exception abort
}
return 0;

/// <summary>Entry point; public so that tests can host the app with WebApplicationFactory.</summary>
public partial class Program;
