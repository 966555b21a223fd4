import { CompareView } from "~/components/compare-view";

/** Best-of-N: the attempts of one prompt side by side (see compare-view.tsx). */
export default async function ComparePage({ params }: { params: Promise<{ groupId: string }> }) {
  const { groupId } = await params;
  return <CompareView key={groupId} groupId={groupId} />;
}
