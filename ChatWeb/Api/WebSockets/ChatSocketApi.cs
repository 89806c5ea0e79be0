using ChatWeb.Api.Access;
using ChatWeb.Api.Chat;
using Microsoft.Extensions.Options;

namespace ChatWeb.Api.WebSockets;

/// <summary>
/// <c>GET /ws/chat</c>: the WebSocket chat (see <see cref="ChatSocketConnection"/> for the protocol). One caller
/// holds at most <c>ChatWeb:Api:MaxSocketsPerOwner</c> sockets; one more is refused with 429 before it opens.
/// </summary>
internal static class ChatSocketApi
{
    public static RouteGroupBuilder MapChatSocket(this RouteGroupBuilder ws)
    {
        ws.MapGet("/chat", Connect);
        return ws;
    }

    private static async Task<IResult> Connect(HttpContext context, ChatTurns turns, ApiRateLimiter limiter, SocketCounter sockets,
        IOptions<ApiOptions> options, ILoggerFactory logs)
    {
        if (!context.WebSockets.IsWebSocketRequest)
            return TypedResults.Problem("Connect with a WebSocket (ws://…/ws/chat).", statusCode: StatusCodes.Status400BadRequest,
                title: "This endpoint speaks WebSocket only.");

        var caller = ApiCaller.Of(context);
        if (!sockets.TryOpen(caller.Owner))
        {
            context.Response.Headers.RetryAfter = "10";
            return ApiErrors.Result(ApiErrorShape.ProblemDetails, StatusCodes.Status429TooManyRequests, "Too many WebSockets.",
                $"One caller may hold at most {sockets.Limit} WebSockets open (ChatWeb:Api:MaxSocketsPerOwner); close one first.", "too_many_sockets");
        }
        try
        {
            using var socket = await context.WebSockets.AcceptWebSocketAsync();
            var connection = new ChatSocketConnection(socket, turns, caller, limiter, options.Value.MaxConversationsPerSocket,
                logs.CreateLogger(typeof(ChatSocketConnection)));
            await connection.RunAsync(context.RequestAborted);
        }
        finally
        {
            sockets.Closed(caller.Owner);
        }
        return TypedResults.Empty;
    }
}
