// The "now serving" board inside the citizen app (the wall screen is /board).

import { useEffect, useState } from "preact/hooks";
import { followBoard } from "../protocol/board";
import type { Board } from "../protocol/messages";
import { translate } from "../shared/i18n";
import { hall } from "./store";
import { T } from "./texts";

export function BoardView() {
  const [board, setBoard] = useState<Board | null>(null);
  const id = hall.value?.id;
  useEffect(() => (id ? followBoard(id, setBoard) : undefined), [id]);
  return (
    <section class="card" aria-labelledby="board-title">
      <h2 id="board-title">{translate(T, "board_title")}</h2>
      {!board || board.now_serving.length === 0 ? (
        <p>{translate(T, "board_empty")}</p>
      ) : (
        <table class="board">
          <thead>
            <tr>
              <th scope="col">{translate(T, "board_number")}</th>
              <th scope="col">{translate(T, "board_counter")}</th>
            </tr>
          </thead>
          <tbody aria-live="polite">
            {board.now_serving.map((row) => (
              <tr key={row.counter_id} data-state={row.state}>
                <td class="num">{row.number}</td>
                <td>{row.counter_id}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {board && Object.keys(board.waiting).length > 0 ? (
        <>
          <h3>{translate(T, "board_waiting")}</h3>
          <ul class="waiting">
            {Object.entries(board.waiting).map(([service, n]) => (
              <li key={service}>
                {service}: <strong>{n}</strong>
              </li>
            ))}
          </ul>
        </>
      ) : null}
    </section>
  );
}
