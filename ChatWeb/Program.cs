using ChatWeb.Admin;
using ChatWeb.Api;
using ChatWeb.Chat;
using ChatWeb.Components;
using ChatWeb.Engine.Cli;
using ChatWeb.Inference;
using ChatWeb.Sessions;
using ChatWeb.Storage;
using ChatWeb.Telemetry;
using ChatWeb.Terminal;

if (await TerminalCommands.TryRunAsync(args)) return Environment.ExitCode; // chat | ask | apikey

if (await EngineCli.TryRunAsync(args)) return Environment.ExitCode; // model info | model make | bench | bench-serve

var builder = WebApplication.CreateBuilder(args);

// Serve wwwroot and framework files from the build output too, not only in Development.
builder.WebHost.UseStaticWebAssets();

builder.Services.AddRazorComponents().AddInteractiveServerComponents();
builder.AddInference();
builder.AddChatSurface();
builder.AddStorage();
builder.AddChatSessions();
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

app.UseChatSessions();
app.UseAdmin();
app.UseAntiforgery();
app.MapStaticAssets();
app.MapHealthApi();
app.MapChatApis();
app.MapMetrics();
app.MapRazorComponents<App>().AddInteractiveServerRenderMode();

app.Run();
return 0;

/// <summary>Entry point; public so that tests can host the app with WebApplicationFactory.</summary>
public partial class Program;
