import { Board } from "~/components/board";

export default function BoardPage() {
  return <Board />;
}
