using ChatWeb.Storage;
using Microsoft.AspNetCore.DataProtection;

namespace ChatWeb.Sessions;

internal static class SessionServiceCollectionExtensions
{
    /// <summary>
    /// Per-browser sessions: an HttpOnly, SameSite=Lax cookie (Secure outside Development) holding the
    /// browser's owner id (<see cref="SessionOwnerMiddleware"/>); ASP.NET Core Session remains only to read
    /// the id of browsers from before that cookie. Data-protection keys are kept in the data folder so
    /// cookies stay valid across restarts. Pages and circuits are rate-limited per address.
    /// </summary>
    public static WebApplicationBuilder AddChatSessions(this WebApplicationBuilder builder)
    {
        builder.AddValidatedOptions<ChatSessionOptions>(ChatSessionOptions.Section);
        var options = builder.Configuration.GetSection(ChatSessionOptions.Section).Get<ChatSessionOptions>() ?? new();

        builder.Services.AddDataProtection()
            .SetApplicationName("ChatWeb")
            .PersistKeysToFileSystem(new DirectoryInfo(Path.Combine(builder.DataFolder(), "keys")));

        var development = builder.Environment.IsDevelopment();
        builder.Services.AddSession(session =>
        {
            session.IdleTimeout = options.IdleTimeout;
            session.Cookie.Name = ".ChatWeb.Session";
            session.Cookie.HttpOnly = true;
            session.Cookie.SameSite = SameSiteMode.Lax;
            session.Cookie.SecurePolicy = development ? CookieSecurePolicy.SameAsRequest : CookieSecurePolicy.Always;
            session.Cookie.IsEssential = true;
            // The server's idle timeout ends a session; the cookie only has to outlive it.
            session.Cookie.MaxAge = TimeSpan.FromDays(400);
        });
        builder.Services.AddScoped<SessionOwner>();
        builder.Services.AddRateLimiter(limiter =>
            limiter.AddPolicy(PageRateLimiting.Policy, new PageRateLimiting(options.PageRequestsPerMinutePerAddress)));
        return builder;
    }

    public static WebApplication UseChatSessions(this WebApplication app)
    {
        app.UseSession();
        app.UseMiddleware<SessionOwnerMiddleware>();
        return app;
    }
}
