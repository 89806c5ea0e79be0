using ChatWeb.Api.Access;
using ChatWeb.Api.Chat;

namespace ChatWeb.Api.WebSockets;

/// <summary><c>GET /ws/chat</c>: the WebSocket chat (see <see cref="ChatSocketConnection"/> for the protocol).</summary>
internal static class ChatSocketApi
{
    public static RouteGroupBuilder MapChatSocket(this RouteGroupBuilder ws)
    {
        ws.MapGet("/chat", Connect);
        return ws;
    }

    private static async Task<IResult> Connect(HttpContext context, ChatTurns turns, ILoggerFactory logs)
    {
        if (!context.WebSockets.IsWebSocketRequest)
            return TypedResults.Problem("Connect with a WebSocket (ws://…/ws/chat).", statusCode: StatusCodes.Status400BadRequest,
                title: "This endpoint speaks WebSocket only.");

        using var socket = await context.WebSockets.AcceptWebSocketAsync();
        var connection = new ChatSocketConnection(socket, turns, ApiCaller.Of(context).Owner, logs.CreateLogger(typeof(ChatSocketConnection)));
        await connection.RunAsync(context.RequestAborted);
        return TypedResults.Empty;
    }
}
