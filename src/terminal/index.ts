// The terminal pieces: console socket (host side and init side), the container's
// pty, and the foreground proxy.
export { connectConsoleSocket, recvConsoleFd, recvTerminal, sendConsoleFd, type ReceivedTerminal } from './console-socket.js';
export { makeControllingTerminal, openPty, type ConsoleSize, type Pty } from './pty.js';
export { copyWinSize, proxyTerminal, type ProxyOptions } from './proxy.js';
export { sendConsole } from './init-terminal.js';
