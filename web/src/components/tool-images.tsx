import { useQuery } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { useApi } from '../api-context.ts';
import { queryKeys } from '../query-client.ts';
import { useSessionId } from '../session-live.ts';

/** One screenshot of a tool call, fetched with the token and shown from an object URL. */
function ToolImage({ sessionId, name, artifactId }: { sessionId: string; name: string; artifactId: string }) {
  const api = useApi();
  const { data, error } = useQuery({
    queryKey: [...queryKeys.artifact(sessionId, artifactId), 'blob'],
    queryFn: () => api.getArtifactBlob(sessionId, artifactId),
    // A stored artifact never changes.
    staleTime: Number.POSITIVE_INFINITY,
  });
  const [url, setUrl] = useState<string | null>(null);
  useEffect(() => {
    if (!data) return;
    const objectUrl = URL.createObjectURL(data);
    setUrl(objectUrl);
    return () => URL.revokeObjectURL(objectUrl);
  }, [data]);
  return (
    <figure className="tool-image" data-artifact={artifactId}>
      {url ? (
        <a href={url} target="_blank" rel="noreferrer">
          <img src={url} alt={`Screenshot ${name}`} />
        </a>
      ) : (
        <div className="muted small">{error ? `Cannot load screenshot ${name}.` : 'Loading…'}</div>
      )}
      <figcaption className="muted small mono">{name}</figcaption>
    </figure>
  );
}

/** The screenshots a tool call took (`browser`), under its output. */
export function ToolImages({ images }: { images: Array<{ name: string; artifactId: string }> }) {
  const sessionId = useSessionId();
  if (sessionId === null || images.length === 0) return null;
  return (
    <div className="tool-images">
      {images.map((image) => (
        <ToolImage key={image.artifactId} sessionId={sessionId} {...image} />
      ))}
    </div>
  );
}
