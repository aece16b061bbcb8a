// Header links to the signed-in areas: "My packages" for every signed-in user, "Admin" for
// admins (the `me` query's isAdmin).
import { useViewer } from '../auth';

export function AccountLinks() {
  const viewer = useViewer();
  if (viewer.status !== 'signed-in') return null;
  return (
    <>
      <a href="/my/packages">My packages</a>
      {viewer.viewer.isAdmin && <a href="/admin/quarantine">Admin</a>}
    </>
  );
}
