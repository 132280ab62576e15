import { render } from "preact";
import { App } from "./App";
import "../shared/base.css";
import "../staff/staff.css";
import "./board.css";

render(<App />, document.getElementById("app") as HTMLElement);
